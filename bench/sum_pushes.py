"""Sums small-push runs that went on at once (one per replica): images over the longest run."""
import json
import sys

runs = [json.load(open(path)) for path in sys.argv[1:]]
images = sum(r["images"] for r in runs)
seconds = max(r["seconds"] for r in runs)
print(json.dumps({"images": images, "seconds": seconds, "images_per_s": images / seconds,
                  "errors": sum(r.get("errors", 0) for r in runs)}))
