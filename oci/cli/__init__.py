"""`ocicli`, the operator's command line: click commands grouped by noun, HTTP
only (`client`), output as table/json/yaml/value/csv (`output`).

May import: oci.choices and its own modules, never models, db or a stage: it
can be packaged on its own. Writes nothing but through the API.
"""
