"""Tests of the Flask app, the database and a live oci serve over HTTP."""
