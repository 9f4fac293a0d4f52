"""Renderers: pure functions of an Inspection (or a comparison / gradient report) that return
rich renderables, DOT digraphs, dicts or text. None touches TensorFlow, and none prints: the
CLI prints what they return. `save.py` and `graph_export.write_graph` write files when asked.

`text` is the one formatter (shapes, step ranges, counts); `serialize` the one serializer of
records; `blocks` the block graph every drawing reads; `display` Inspection's display hook.
"""
