"""Renderers: pure functions of an Inspection. None of them touches TensorFlow or prints."""
