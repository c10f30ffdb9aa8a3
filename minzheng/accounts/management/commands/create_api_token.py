"""``minzheng create-api-token USERNAME --name NAME [--days N]``: issue a bearer token, print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.accounts.api_auth import api_token_create
from minzheng.common.errors import DomainError


class Command(BaseCommand):
    help = "为用户签发接口令牌（Bearer token）；令牌只显示这一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="用途，如“统计局数据交换”")
        parser.add_argument("--days", type=int, default=None, help="有效天数；不填则长期有效，直到吊销")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, secret = api_token_create(
                username=options["username"], name=options["name"], days=options["days"]
            )
        except DomainError as error:
            raise CommandError(f"{error.field}: {error.message}") from None
        expires = token.expires_at.isoformat(timespec="minutes") if token.expires_at else "长期有效"
        self.stdout.write(secret)
        self.stderr.write(f"令牌 {token.key_prefix}… 已签发给 {token.user.username}，有效期至：{expires}。")
        self.stderr.write("请立即保存：系统只保存其摘要，之后无法再次查看。")
