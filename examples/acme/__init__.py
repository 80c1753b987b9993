"""An example module for a fictitious "Acme" SaaS: a polling connector, a trigger and an action.

Written with kit's SDK; ``kit.export`` turns it into a module directory whose
imports are ``sekoia_automation``'s.
"""
