"""The ASGI application for servers (uvicorn hub.asgi:app), built from the environment's settings."""

from hub.app import create_app
from hub.settings import load_settings

app = create_app(load_settings())
