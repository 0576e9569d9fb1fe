"""Deploy stage 1: read the Model Serving deployment (driver code, MLmodel, live endpoint)."""
