#!/usr/bin/env python3
"""An app-kind model: reads its parameters from argv and prints one JSON object as its last line."""
import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, required=True)
parser.add_argument("--y", type=float, required=True)
args = parser.parse_args()
print(f"evaluating at x={args.x} y={args.y}")
print(json.dumps({"val_loss": (args.x - 1) ** 2 + (args.y + 2) ** 2}))
