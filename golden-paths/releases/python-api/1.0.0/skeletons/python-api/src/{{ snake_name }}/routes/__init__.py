"""The API's own routes."""
