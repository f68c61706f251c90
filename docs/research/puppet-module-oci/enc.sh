#!/bin/sh
# ENC stand-in: print the hand-made document for the node (certname = $1)
exec cat "/tmp/enc-research/${ENC_DIR:-enc}/$1.yaml"
