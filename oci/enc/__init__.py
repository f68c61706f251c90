"""The Puppet external node classifier: an inventory snapshot (`loader`, the one
reader of the database) -> the classes and parameters of a node's document
(pure: `snapshot`, `facts`, `parameters`, `roles`, `document`).

May import: models, enrolment (options, ipam, the cluster helpers), security
(vault). Writes nothing.
"""
