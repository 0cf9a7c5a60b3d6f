"""language_detector."""

from __future__ import annotations

import pytest
from plugin_test_helpers import PLUGINS_DIR


@pytest.fixture
def plugin(load_plugin):
    return load_plugin(PLUGINS_DIR / "language_detector")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Thank you for your message. We will send the report to you by the end of the week.",
            "en",
        ),
        ("Bonjour, je vous écris pour confirmer notre rendez-vous de la semaine prochaine.", "fr"),
        ("Vielen Dank für Ihre Nachricht, wir werden die Rechnung noch heute an Sie senden.", "de"),
        ("Hola, gracias por su mensaje. Le enviaremos la factura por correo esta semana.", "es"),
        ("Ciao, grazie per il messaggio. Ti mando il documento della riunione domani.", "it"),
        ("Hallo, bedankt voor je bericht. Ik stuur de factuur morgen naar je toe.", "nl"),
        ("Olá, obrigado pela sua mensagem. Vou enviar a fatura para você amanhã.", "pt"),
        ("Здравствуйте, спасибо за ваше письмо.", "ru"),
        ("Γεια σας, ευχαριστώ για το μήνυμά σας.", "el"),
        ("شكرا لرسالتك، سنرد عليك قريبا", "ar"),
        ("ご連絡ありがとうございます。明日資料を送ります。", "ja"),
        ("感谢您的来信，我们明天发送发票。", "zh"),
    ],
)
async def test_detects_language(plugin, text: str, language: str) -> None:
    result = await plugin.execute_hook("detect_language", text=text)
    assert result["language"] == language, result
    assert 0 < result["confidence"] <= 1


async def test_scores_and_script(plugin) -> None:
    result = await plugin.detect_language("Le chat est sur la table et il dort dans le salon.")
    assert result["script"] == "Latin" and result["method"] == "stopwords"
    assert max(result["scores"], key=result["scores"].get) == "fr"
    assert abs(sum(result["scores"].values()) - 1) < 0.01


async def test_fallback_when_unsure(plugin) -> None:
    assert (await plugin.detect_language("12345 !!!"))["language"] == "und"
    assert (await plugin.detect_language("Xyzzy plugh"))["language"] == "und"
    await plugin.initialize({"fallback": "unknown", "min_confidence": 0.99})
    assert (await plugin.detect_language("the cat"))["language"] == "unknown"


async def test_candidate_languages_are_configurable(plugin) -> None:
    await plugin.initialize({"languages": ["en", "de"]})
    result = await plugin.detect_language("Bonjour, je vous remercie pour votre message.")
    assert set(result["scores"]) <= {"en", "de"}
