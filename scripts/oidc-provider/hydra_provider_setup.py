# Sets up the test provider's database: users and groups from a JSON file, an RSA signing key, and the client.
#   python3 hydra_provider_setup.py init USERS.json CLIENT_ID CLIENT_SECRET
#   python3 hydra_provider_setup.py allow REDIRECT_URI        (adds a redirect URI to the client)
import json
import sys

import django

django.setup()
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType, RSAKey  # noqa: E402

command = sys.argv[1]
if command == "init":
    call_command("migrate", verbosity=0)
    with open(sys.argv[2]) as file:
        people = json.load(file)
    for person in people:
        user = User.objects.create_user(person["username"], person.get("email", ""), person["password"])
        for name in person.get("groups", []):
            group, _ = Group.objects.get_or_create(name=name)
            user.groups.add(group)
    if not RSAKey.objects.exists():
        call_command("creatersakey")
    client = Client.objects.create(
        name="hydra", client_type="confidential", client_id=sys.argv[3], client_secret=sys.argv[4],
        jwt_alg="RS256", require_consent=False, reuse_consent=True, _redirect_uris="", _scope="")
    client.response_types.add(ResponseType.objects.get(value="code"))
elif command == "allow":
    client = Client.objects.get()
    uris = [uri for uri in client._redirect_uris.split() if uri]
    if sys.argv[2] not in uris:
        uris.append(sys.argv[2])
    client._redirect_uris = "\n".join(uris)
    client.save()
else:
    sys.exit("usage: hydra_provider_setup.py init USERS.json CLIENT_ID CLIENT_SECRET | allow REDIRECT_URI")
