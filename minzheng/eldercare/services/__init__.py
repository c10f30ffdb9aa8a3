"""Services of eldercare, one module per part (docs/eldercare.md)."""
