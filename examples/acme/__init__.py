"""An example module for a fictitious "Acme" SaaS: a polling connector and a trigger.

Written with kit's SDK; ``kit.export`` turns it into a module directory whose
imports are ``sekoia_automation``'s.
"""
