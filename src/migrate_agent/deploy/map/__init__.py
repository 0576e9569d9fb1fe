"""Deploy stage 2: map each Model Serving item to its Databricks Apps equivalent."""
