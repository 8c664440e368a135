"""The residents' portal (居民端): phone sign-in codes and household bindings."""
