"""The API of the module: each part has its own router, listed in the manifest."""
