"""The ASGI application for servers (uvicorn hub.asgi:app), built from the environment's settings."""

import gc

from hub.app import create_app
from hub.settings import load_settings

app = create_app(load_settings())

# What exists once the app is built (modules, classes, the ORM's and the framework's tables: about 250,000 objects
# the cyclic garbage collector would otherwise go through at every full collection, 150 ms each on the seed) lives
# as long as the process: set it aside, so that a full collection only looks at what requests and the suggestion
# graph created since (BENCHMARKS.md, "Load test").
gc.collect()
gc.freeze()
