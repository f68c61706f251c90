"""The live-build configuration of the discovery image (data, not code).

Shipped in the package as `oci.live_build` so that `oci live-image build`
finds it in an installed oci too: see oci/boot/live_image.py.
"""
