"""The marketplace configuration: asset files from a directory or the Asset Delivery API (a
local HTTP server stands in for it), and `migrate validate --marketplace`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.marketplace import MarketplaceError, fetch, load_directory, mask
from migrate.rules.catalogue import EXAMPLE_MARKETPLACE, write_example_marketplace

CLIENT_ID = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------ from a directory


def test_a_directory_of_asset_files_with_the_api_envelope(tmp_path):
    config = load_directory(write_example_marketplace(tmp_path))
    assert sorted(config.listing_types or {}) == ["inquire", "rent"]
    rent = (config.listing_types or {})["rent"]
    assert (rent.process, rent.alias, rent.unit_type, rent.price_required) == (
        "default-booking",
        "default-booking/release-1",
        "day",
        True,
    )
    assert not (config.listing_types or {})["inquire"].price_required
    assert config.categories is not None and config.categories.levels == (
        {"saunas": None, "tents": None},
        {"wood-fired": "saunas", "electric": "saunas"},
    )
    heating, capacity = config.listing_fields or ()
    assert heating.options == ("wood", "electric") and heating.required
    assert heating.category_ids == frozenset({"saunas"}) and heating.type_ids is None
    assert (capacity.minimum, capacity.maximum, capacity.required) == (1, 20, False)
    assert config.user_types == frozenset({"renter", "host"})
    assert config.currency == "EUR" and config.minimum_price == 500
    assert config.missing == () and config.skipped == ()


def test_flat_files_without_the_envelope_and_a_subset(tmp_path):
    (tmp_path / "listing-types.json").write_text(
        json.dumps(EXAMPLE_MARKETPLACE["listings/listing-types.json"]), "utf-8"
    )
    (tmp_path / "localization.json").write_text('{"currency": "USD"}', "utf-8")
    config = load_directory(tmp_path)
    assert sorted(config.listing_types or {}) == ["inquire", "rent"]
    assert config.currency == "USD" and config.categories is None and config.user_fields is None
    assert config.skipped == (
        "categories (listings/listing-categories.json)",
        "listing fields and unknown listing publicData keys (listings/listing-fields.json)",
        "user types (users/user-types.json)",
        "user fields and unknown user publicData keys (users/user-fields.json)",
        "the minimum price (transactions/minimum-transaction-size.json)",
    )


def test_user_fields_are_required_unless_the_marketplace_says_not(tmp_path):
    (tmp_path / "user-fields.json").write_text(
        json.dumps(
            {
                "userFields": [
                    {"key": "a", "scope": "public", "schemaType": "text"},
                    {"key": "b", "scope": "private", "schemaType": "text", "saveConfig": {}},
                    {"key": "c", "schemaType": "boolean", "saveConfig": {"required": False}},
                ]
            }
        ),
        "utf-8",
    )
    fields = load_directory(tmp_path).user_fields or ()
    assert [(field.key, field.scope, field.required) for field in fields] == [
        ("a", "public", True),
        ("b", "private", True),
        ("c", "public", False),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("listing-types.json", "{", "listing-types.json: not valid JSON (Expecting property name"),
        (
            "listing-types.json",
            '{"listingTypes": [{"id": ""}]}',
            "listings/listing-types.json: listingTypes[0].id: expected a non-empty string, "
            'found ""',
        ),
        (
            "listing-fields.json",
            '{"listingFields": [{"key": "a", "schemaType": "colour"}]}',
            "listings/listing-fields.json: listingFields[0].schemaType: expected one of "
            '"boolean", "enum", "long", "multi-enum", "text", "youtubeVideoUrl", found "colour"',
        ),
        (
            "listing-fields.json",
            '{"listingFields": [{"key": "a", "schemaType": "enum", "enumOptions": [{}]}]}',
            "listings/listing-fields.json: listingFields[0].enumOptions[0].option: expected a "
            "non-empty string, found nil",
        ),
        (
            "localization.json",
            '{"currency": "dollars"}',
            'general/localization.json: currency: expected an ISO 4217 code such as "USD", '
            'found "dollars"',
        ),
        (
            "minimum-transaction-size.json",
            '{"listingMinimumPrice": {"type": "subunit", "amount": -5}}',
            "transactions/minimum-transaction-size.json: listingMinimumPrice.amount: expected 0 "
            "or more, found -5",
        ),
    ],
)
def test_a_malformed_asset_names_the_file_and_the_json_path(tmp_path, name, text, message):
    (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(MarketplaceError) as caught:
        load_directory(tmp_path)
    assert message in str(caught.value)


def test_an_empty_or_missing_directory_is_an_error(tmp_path):
    with pytest.raises(MarketplaceError, match="holds none of the marketplace asset files"):
        load_directory(tmp_path)
    with pytest.raises(MarketplaceError, match="no such directory"):
        load_directory(tmp_path / "nope")


# -------------------------------------------------------------- from the Asset Delivery API


class _Assets(BaseHTTPRequestHandler):
    """Serves ``/<client id>/a/latest/<asset path>`` from the server's ``assets`` dict."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        server = self.server
        server.paths.append(self.path)  # type: ignore[attr-defined]
        prefix = f"/v1/assets/pub/{CLIENT_ID}/a/latest/"
        body = (
            server.assets.get(self.path.removeprefix(prefix))
            if self.path.startswith(prefix)
            else None
        )  # type: ignore[attr-defined]
        if body == "sleep":
            time.sleep(1.0)
            body = "{}"
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Assets)
    httpd.assets = {  # type: ignore[attr-defined]
        path: json.dumps({"data": document, "meta": {"version": "v1"}})
        for path, document in EXAMPLE_MARKETPLACE.items()
    }
    httpd.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _base(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1/assets/pub"


def test_fetch_reads_every_asset_of_the_latest_version(server):
    config = fetch(CLIENT_ID, base_url=_base(server))
    assert config.currency == "EUR" and sorted(config.listing_types or {}) == ["inquire", "rent"]
    assert config.missing == ()
    assert server.paths[0] == f"/v1/assets/pub/{CLIENT_ID}/a/latest/listings/listing-types.json"
    assert CLIENT_ID not in config.source and "0f1e…" in config.source


def test_an_asset_the_marketplace_does_not_have_404_is_skipped(server):
    del server.assets["users/user-types.json"]
    config = fetch(CLIENT_ID, base_url=_base(server))
    assert config.user_types is None and config.skipped == ("user types (users/user-types.json)",)


def test_a_body_that_is_not_json_is_an_error_naming_the_asset(server):
    server.assets["general/localization.json"] = "<html>maintenance</html>"
    with pytest.raises(MarketplaceError) as caught:
        fetch(CLIENT_ID, base_url=_base(server))
    message = str(caught.value)
    assert message.startswith(
        "the Asset Delivery API (client id 0f1e…): general/localization.json: not valid JSON"
    )
    assert CLIENT_ID not in message


def test_a_timeout_is_an_error_that_says_how_long_it_waited(server):
    server.assets["listings/listing-fields.json"] = "sleep"
    with pytest.raises(MarketplaceError) as caught:
        fetch(CLIENT_ID, base_url=_base(server), timeout=0.2)
    assert str(caught.value) == (
        "the Asset Delivery API (client id 0f1e…): no answer for listings/listing-fields.json "
        "within 0.2 s (raise --marketplace-timeout, or use --marketplace DIR)"
    )


def test_nothing_listening_is_an_error_without_the_client_id(server):
    base = _base(server)
    server.shutdown()
    server.server_close()
    with pytest.raises(MarketplaceError) as caught:
        fetch(CLIENT_ID, base_url=base, timeout=1)
    assert "cannot fetch listings/listing-types.json" in str(caught.value)
    assert CLIENT_ID not in str(caught.value)


def test_the_client_id_is_masked():
    assert mask(CLIENT_ID) == "0f1e…"
    assert mask("short") == "…"


# ------------------------------------------------------------------------------- the command


LISTING = """[[:im.listing/id :listing/sauna]
 #:im.listing{:createdAt #inst "2020-01-01T00:00:00Z" :title "Sauna"
              :state :listing.state/published :author #im/ref :user/jane
              :price #im/money [12.50M "USD"]
              :publicData {:listingType "rent" :transactionProcessAlias "default-booking/release-1"
                           :unitType "day" :categoryLevel1 "saunas" :categoryLevel2 "gas"}}]"""
USER = """[[:im.user/id :user/jane]
 #:im.user{:createdAt #inst "2020-01-01T00:00:00Z"
           :primaryEmail {:im.email/address "jane@example.com" :im.email/verified true}
           :role [:user.role/customer :user.role/provider]
           :profile {:im.userProfile/firstName "Jane" :im.userProfile/lastName "Doe"
                     :im.userProfile/publicData {:userType "host" :phone "1"}}}]"""


@pytest.fixture
def document(tmp_path) -> Path:
    path = tmp_path / "data.edn"
    path.write_text("{:ident :m\n :data [" + USER + "\n" + LISTING + "]}\n", "utf-8")
    return path


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["validate", *map(str, args)], env=env)


def _codes(output: str) -> list[str]:
    return [
        line.split(": ", 2)[1]
        for line in output.splitlines()
        if ": error " in line or ": warning " in line
    ]


def test_validate_against_a_marketplace_directory(tmp_path, document):
    result = run(document, "--marketplace", write_example_marketplace(tmp_path / "mp"))
    assert result.exit_code == 1, result.output
    assert _codes(result.output) == [
        "error field-scope",
        "error price-currency-mismatch",
        "error field-required",  # heating: required in the saunas category
        "error category-invalid",
    ]
    assert (
        'user field "phone" has scope "protected": it belongs in '
        ":im.userProfile/protectedData, not in :im.userProfile/publicData" in result.output
    )
    assert (
        ':im.listing/publicData categoryLevel2 "gas" is not a category id of the marketplace: '
        'it is not a subcategory of "saunas", whose subcategories are "electric", '
        '"wood-fired"' in result.output
    )
    assert result.output.splitlines()[-1].startswith(
        f"{document}: INVALID (against the marketplace configuration of {tmp_path / 'mp'}): "
        "4 errors"
    )


def test_a_missing_asset_file_is_named_in_the_report(tmp_path, document):
    market = write_example_marketplace(tmp_path / "mp")
    (market / "general" / "localization.json").unlink()
    result = run(document, "--marketplace", market, "--format", "json")
    data = json.loads(result.output)
    assert data["skipped_checks"] == ["the price currency (general/localization.json)"]
    assert "price-currency-mismatch" not in data["counts"]["by_code"]
    assert data["notes"][-1] == (
        "marketplace checks skipped for want of their configuration file: the price currency "
        "(general/localization.json)"
    )


def test_validate_fetching_from_the_asset_delivery_api(server, document):
    env = {"MIGRATE_MARKETPLACE_CLIENT_ID": CLIENT_ID, "MIGRATE_ASSET_DELIVERY_URL": _base(server)}
    result = run(document, env=env)
    assert result.exit_code == 1
    assert "error price-currency-mismatch" in result.output
    assert CLIENT_ID not in result.output
    assert (
        "(against the marketplace configuration of the Asset Delivery API (client id 0f1e…))"
        in (result.output)
    )


def test_fetch_errors_are_one_line_with_exit_2(server, document):
    server.assets["general/localization.json"] = "not json"
    result = run(document, "--marketplace-client-id", CLIENT_ID, "--marketplace-url", _base(server))
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: the Asset Delivery API (client id 0f1e…): general/localization.json: not valid JSON"
    )
    assert len(result.output.splitlines()) == 1 and CLIENT_ID not in result.output


def test_directory_and_client_id_together_are_a_usage_error(tmp_path, document):
    result = run(document, "--marketplace", tmp_path, "--marketplace-client-id", CLIENT_ID)
    assert result.exit_code == 2
    assert result.output == (
        "Error: give either --marketplace DIR or --marketplace-client-id, not both\n"
    )


def test_the_bundled_trailhop_marketplace_reads():
    config = load_directory(ROOT / "samples" / "marketplace")
    assert list(config.listing_types or {}) == ["rent-gear"]
    assert config.currency == "USD" and config.minimum_price is not None
    assert config.skipped == ()
