"""The only TensorFlow code: imports (environment switches), trace (model -> Traced),
worker (the TF1 child process). Importing this package imports no TensorFlow."""
