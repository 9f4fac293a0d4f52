from tests.fuzz.runner import main

main()
