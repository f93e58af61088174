#!/usr/bin/env python3
"""Copy the AWS API models Gatehouse serves from botocore into models/, without documentation.

The models are AWS's own description of every operation, shape, constraint and error; the
protocol layer reads them to parse requests, validate input and render responses exactly as
the SDKs expect. Run again after upgrading botocore: python3 scripts/gen-models.py
"""
import gzip, json, os, sys

import botocore

SERVICES = {
    'cognito-idp': '2016-04-18',
    'cognito-identity': '2014-06-30',
    'iam': '2010-05-08',
    'sts': '2011-06-15',
    's3': '2006-03-01',
    'lambda': '2015-03-31',
    'kms': '2014-11-01',
}
DROP = {'documentation', 'documentationUrl', 'examples', 'deprecatedMessage', 'deprecatedSince'}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    root = os.path.join(os.path.dirname(botocore.__file__), 'data')
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models')
    os.makedirs(out, exist_ok=True)
    for name, version in SERVICES.items():
        with gzip.open(os.path.join(root, name, version, 'service-2.json.gz')) as f:
            model = strip(json.load(f))
        model['metadata']['botocoreVersion'] = botocore.__version__
        with open(os.path.join(out, name + '.json'), 'w') as f:
            json.dump(model, f, separators=(',', ':'), sort_keys=True)
            f.write('\n')
        print(f'{name}: {len(model["operations"])} operations', file=sys.stderr)


if __name__ == '__main__':
    main()
