import pytest


@pytest.fixture
def committee_client(client, committee):
    """The admin as a committee member (the Committee group) sees it."""
    client.force_login(committee)
    return client
