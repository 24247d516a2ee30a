# What the test provider puts in ID tokens beyond the standard claims: the user's name and their groups.


def id_token(id_token, user, token, request, **kwargs):
    id_token["preferred_username"] = user.username
    id_token["email"] = user.email
    id_token["groups"] = sorted(group.name for group in user.groups.all())
    return id_token


def userinfo(claims, user):
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    return claims
