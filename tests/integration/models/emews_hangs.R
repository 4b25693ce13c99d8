# An EMEWS EQ/R algorithm that computes forever without a word: the watchdog must abort the campaign.
OUT_put('{"x": 1, "y": -2}')
IN_get()
repeat Sys.sleep(0.05)
