"""Exchange formats shared with other analysts' tools, read and written in one place each: ACH
matrices (`ach`). It sits beside `output`: it may import the case, model, analysis and output
layers, and none of them imports it."""
