"""What tests share: builders of rows and reports, running commands and servers.

No test lives here; test modules import these, never each other.
"""
