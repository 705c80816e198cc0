"""The API's shared base: the error shape, its OpenAPI description, public caching."""
