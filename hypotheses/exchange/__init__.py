"""Exchange formats shared with other analysts' tools, read and written in one place each: ACH
matrices (`ach`), STIX 2.1 bundles (`stix`), MISP events (`misp`) and the TAXII 2.1 push
(`taxii`); the last three need the optional extra hypscore[exchange] and import it lazily.
It sits beside `output`: it may import the case, model, analysis and output layers, and none of
them imports it (formats.py names the renderers as strings)."""
