import sys; sys.path.insert(0,'/tmp/fw')
from nbtools import md, code, write
src = open('/work/main/notebooks/01-forward-pass.ipynb').read()
import json
nb = json.loads(src)
cells = [code(''.join(c['source'])) for c in nb['cells'] if c['cell_type']=='code' and 'forward-pass-code' in c.get('metadata',{}).get('tags',[])]
cells += [code(s) for s in [
 '%memit -g forward(x, w1, w2)',
 '%memit -g forwardFlat(xf, w1f, w2f)',
 '%memit -g forwardPrealloc(xf, w1f, w2f)',
 '%memit -g for (let r = 0; r < 100; r++) forward(x, w1, w2)',
 '%memit -g for (let r = 0; r < 100; r++) forwardFlat(xf, w1f, w2f)',
 '%memit -g for (let r = 0; r < 100; r++) forwardPrealloc(xf, w1f, w2f)',
 '%memit -g const nested = randomMatrix(1000, 1000, 7)',
 '%memit -g const flat = toMatrix(nested)',
 'const m1 = %memit -o -q forward(x, w1, w2)\nconsole.log(Object.keys(m1), m1.increment)',
]]
write('/work/main/notebooks/.exp/t.ipynb', cells)
