"""The in-process fake platform: hosting, recording, HTTP fakes, storage sandboxes."""
