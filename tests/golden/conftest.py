# Golden files are expected output, not tests of this repository: never collect them.
collect_ignore_glob = ["*"]
