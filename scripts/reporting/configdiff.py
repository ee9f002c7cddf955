"""Two resolved configs (a run JSON's "config", YAML text) compared key by key.

Keys are dotted paths, as `--set` spells them: `macro.rows`, `network.layers.conv1.stride`. A list of
mappings that all have a unique `name` (the layers) is compared item by item by name; an item present in
one config only is one difference (`network.layers.pw3: (absent) -> {kind: pointwise, ...}`), and so is a
change of their order. Other lists (paddings, inputs) are values.
"""
import yaml

ABSENT = object()


def named_items(v):
    if not isinstance(v, list) or not v or not all(isinstance(x, dict) and "name" in x for x in v):
        return None
    names = [str(x["name"]) for x in v]
    return dict(zip(names, v)) if len(set(names)) == len(names) else None


def same(a, b):
    """Equal as config values: 200 and 200.0 are, true and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def compare(a, b, path="", out=None):
    """[(key, a value or ABSENT, b value or ABSENT)] of every leaf that differs."""
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            key = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append((key, a[k], ABSENT))
            elif k not in a:
                out.append((key, ABSENT, b[k]))
            else:
                compare(a[k], b[k], key, out)
        return out
    na, nb = named_items(a), named_items(b)
    if na is not None and nb is not None:
        for name in list(na) + [n for n in nb if n not in na]:
            key = f"{path}.{name}"
            strip = lambda d: {k: v for k, v in d.items() if k != "name"}  # noqa: E731
            if name not in nb:
                out.append((key, strip(na[name]), ABSENT))
            elif name not in na:
                out.append((key, ABSENT, strip(nb[name])))
            else:
                compare(strip(na[name]), strip(nb[name]), key, out)
        common_a = [n for n in na if n in nb]
        common_b = [n for n in nb if n in na]
        if common_a != common_b:
            out.append((f"{path} (order)", ", ".join(common_a), ", ".join(common_b)))
        return out
    if not same(a, b):
        out.append((path, a, b))
    return out


def show(v, limit=80):
    """A value in YAML's flow style, shortened to `limit` characters."""
    if v is ABSENT:
        return "(absent)"
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif v is None:
        s = "null"
    elif isinstance(v, float) and v.is_integer():
        s = str(int(v))
    elif isinstance(v, (dict, list)):
        s = yaml.safe_dump(v, default_flow_style=True, sort_keys=False, width=10**6).strip()
    else:
        s = str(v)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def config_diff(text_a, text_b):
    """[(key, shown a, shown b)], or None when either config is missing or not YAML."""
    if not isinstance(text_a, str) or not isinstance(text_b, str):
        return None
    try:
        a, b = yaml.safe_load(text_a), yaml.safe_load(text_b)
    except yaml.YAMLError:
        return None
    return [(k, show(va), show(vb)) for k, va, vb in compare(a, b)]
