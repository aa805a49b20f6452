import sys

sys.exit(3)


def add(a, b):
    return a + b
