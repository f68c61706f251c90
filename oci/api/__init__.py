"""The HTTP API under /api/v1: the Flask app (`app`), one blueprint per resource,
the endpoint declarations that also make the OpenAPI document.

May import every stage package. Writes through the stages, inside the one
transaction helper of `session`.
"""
