"""The access judge: every run-time access of a compiled project, evaluated against its compiled policies."""
