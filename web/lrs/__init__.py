"""The standard xAPI LRS at `/xapi` and the pure xAPI rules it is built on."""
