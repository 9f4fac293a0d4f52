from rnninspect.cli import entry

entry()
