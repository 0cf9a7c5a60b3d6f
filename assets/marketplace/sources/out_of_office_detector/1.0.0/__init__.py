"""Out-of-Office Detector: recognises auto-replies from their headers (RFC 3834
Auto-Submitted, X-Autoreply, Precedence ...), subject prefixes and phrases in several
languages, and reads the date the sender is back."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from plugin_admin import PluginInterface, PluginMetadata, PluginSecurityLevel

from . import dates

_HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = json.loads((_HERE / "plugin.json").read_text(encoding="utf-8"))
DEFAULT_CONFIG: dict[str, Any] = json.loads(
    (_HERE / "config" / "default.json").read_text(encoding="utf-8")
)

SUBJECT_PREFIXES = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto:|autoreply"
    r"|abwesenheit(?:snotiz)?|automatische antwort|réponse automatique|absence"
    r"|respuesta automática|fuera de la oficina|risposta automatica|fuori sede"
    r"|automatisch antwoord|afwezig|resposta automática|ausente)",
    re.IGNORECASE,
)
BODY_PHRASES = (
    "out of the office",
    "out of office",
    "i am away",
    "i'm away",
    "i am currently away",
    "on annual leave",
    "on vacation",
    "on holiday",
    "on parental leave",
    "limited access to email",
    "limited access to e-mail",
    "will be back on",
    "i will return on",
    "i'll be back",
    "je suis absent",
    "je suis absente",
    "je serai de retour",
    "en congé",
    "absent du bureau",
    "ich bin bis",
    "nicht im büro",
    "außer haus",
    "bin ich wieder",
    "ich bin abwesend",
    "im urlaub",
    "estoy fuera de la oficina",
    "estaré de vuelta",
    "estoy de vacaciones",
    "sono fuori ufficio",
    "sarò di ritorno",
    "sono in ferie",
    "ik ben afwezig",
    "niet op kantoor",
    "ben ik weer",
    "estou fora do escritório",
    "estarei de volta",
    "estou de férias",
)


class OutOfOfficeDetectorPlugin(PluginInterface):
    """Detects automatic replies and their return date."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            plugin_id=MANIFEST["plugin_id"],
            name=MANIFEST["name"],
            version=MANIFEST["version"],
            author=MANIFEST["author"],
            description=MANIFEST["description"],
            license=MANIFEST.get("license", "MIT"),
            homepage=MANIFEST.get("homepage"),
            repository=MANIFEST.get("repository"),
            dependencies=list(MANIFEST.get("dependencies", [])),
            permissions=list(MANIFEST.get("permissions", [])),
            security_level=PluginSecurityLevel(MANIFEST.get("security_level", "standard")),
            tags=list(MANIFEST.get("tags", [])),
        )

    async def initialize(self, config: dict[str, Any]) -> bool:
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        return True

    async def shutdown(self) -> bool:
        return True

    def get_capabilities(self) -> list[str]:
        return list(MANIFEST.get("capabilities", []))

    def get_required_permissions(self) -> list[str]:
        return list(MANIFEST.get("permissions", []))

    async def execute_hook(self, hook_name: str, *args: Any, **kwargs: Any) -> Any:
        handlers = {"detect_auto_reply": self.detect_auto_reply}
        handler = handlers.get(hook_name)
        if handler is None:
            raise ValueError(
                f"Unknown hook {hook_name!r}; known hooks: {', '.join(sorted(handlers))}"
            )
        return await handler(*args, **kwargs)

    @staticmethod
    def _header_reasons(headers: dict[str, str]) -> tuple[list[str], list[str]]:
        """(reasons that prove an auto-reply, reasons that only hint at bulk mail)."""
        strong: list[str] = []
        weak: list[str] = []
        auto_submitted = headers.get("auto-submitted", "").strip().lower()
        if auto_submitted and auto_submitted != "no":
            strong.append(f"header:Auto-Submitted={auto_submitted}")
        for name in ("x-autoreply", "x-autorespond", "x-auto-reply"):
            if name in headers and headers[name].strip().lower() not in ("no", "false", "0"):
                strong.append(f"header:{name}")
        precedence = headers.get("precedence", "").strip().lower()
        if precedence == "auto_reply":
            strong.append("header:Precedence=auto_reply")
        elif precedence in ("bulk", "junk", "list"):
            weak.append(f"header:Precedence={precedence}")
        if "x-auto-response-suppress" in headers:
            weak.append("header:X-Auto-Response-Suppress")
        return strong, weak

    async def detect_auto_reply(
        self,
        body: str,
        subject: str | None = None,
        headers: dict[str, str] | None = None,
        received_at: str | None = None,
    ) -> dict[str, Any]:
        """Whether the email is an automatic reply, why, and the return date when stated."""
        normalized = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        strong, weak = self._header_reasons(normalized)
        reasons = strong + weak
        if subject and SUBJECT_PREFIXES.match(subject):
            reasons.append("subject")
            strong.append("subject")
        lowered = " ".join(body.lower().split())
        phrases = [phrase for phrase in BODY_PHRASES if phrase in lowered]
        reasons.extend(f"phrase:{phrase}" for phrase in phrases)
        evidence = len(strong) * 2 + len(weak) + len(phrases)
        is_auto_reply = bool(strong) or evidence >= self.config["min_evidence"]
        result: dict[str, Any] = {
            "is_auto_reply": is_auto_reply,
            "is_out_of_office": bool(phrases) or "subject" in strong,
            "reasons": reasons,
        }
        if is_auto_reply:
            reference = date.fromisoformat(received_at[:10]) if received_at else date.today()
            found = dates.return_date(
                f"{subject or ''}\n{body}", reference, self.config["date_order"] == "dmy"
            )
            if found is not None:
                result["return_date"] = found[0].isoformat()
                result["return_date_text"] = found[1]
        return result


def create_plugin() -> PluginInterface:
    """Create and return the plugin instance."""
    return OutOfOfficeDetectorPlugin()
