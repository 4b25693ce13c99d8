"""An EMEWS algorithm that dies after its first batch: the campaign must stop with this traceback."""
import json

import eqpy


def run():
    eqpy.OUT_put(json.dumps({"x": 1.0}))
    eqpy.IN_get()
    raise ZeroDivisionError("the algorithm divided by zero on purpose")
