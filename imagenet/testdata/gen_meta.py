#!/usr/bin/python3
"""Builds meta_small.mat / meta_small_nozip.mat: a 6-entry ILSVRC2012 devkit
style meta.mat (struct array `synsets`, N x 1, the devkit's field order).

Leaves (num_children == 0) have ILSVRC2012_IDs 1..4 whose WNIDs are NOT in
sorted order; ids 5 and 6 are non-leaf synsets. Run from this folder:

    /usr/bin/python3 gen_meta.py
"""
import numpy as np
import scipy.io

FIELDS = ['ILSVRC2012_ID', 'WNID', 'words', 'gloss', 'num_children',
          'children', 'wordnet_height', 'num_train_images']

ROWS = [
    # id, wnid, words, gloss, children, height, train images
    (1, 'n02119789', 'kit fox, Vulpes macrotis', 'small grey fox', [], 0, 1300),
    (2, 'n03000134', 'chainlink fence', 'a fence of steel wires', [], 0, 1300),
    (3, 'n01440764', 'tench, Tinca tinca', 'freshwater fish', [], 0, 1300),
    (4, 'n02085620', 'Chihuahua', 'an old breed of tiny dog', [], 0, 1300),
    (5, 'n02118333', 'fox', 'alert carnivorous mammal', [1], 1, 1300),
    (6, 'n00001740', 'entity', 'that which exists', [5, 2, 3, 4], 2, 5200),
]


def synsets():
    dt = [(f, 'O') for f in FIELDS]
    s = np.zeros((len(ROWS), 1), dtype=dt)
    for i, (sid, wnid, words, gloss, children, height, ntrain) in enumerate(ROWS):
        s[i, 0]['ILSVRC2012_ID'] = np.array([[float(sid)]])
        s[i, 0]['WNID'] = wnid
        s[i, 0]['words'] = words
        s[i, 0]['gloss'] = gloss
        s[i, 0]['num_children'] = np.array([[float(len(children))]])
        s[i, 0]['children'] = np.array([children], dtype=float).reshape(1, len(children))
        s[i, 0]['wordnet_height'] = np.array([[float(height)]])
        s[i, 0]['num_train_images'] = np.array([[float(ntrain)]])
    return s


if __name__ == '__main__':
    s = synsets()
    scipy.io.savemat('meta_small.mat', {'synsets': s}, do_compression=True)
    scipy.io.savemat('meta_small_nozip.mat', {'synsets': s}, do_compression=False)
