//! Byte-pair encoding against Hugging Face tokenizers (the reference):
//! the same merges learned from the same text, in the same order, and the
//! same ids for text the merges never saw. Fixture:
//! tests/reference/make_bpe_fixture.py (tokenizers 0.23.3).

use gradlab::data::bpe::{byte_level, pre_tokenize, BpeTokenizer};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/bpe_reference.json")).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|i| i.as_u64().unwrap() as u32).collect()
}

#[test]
fn gpt2_pre_tokenizer_cuts_words_as_the_reference() {
    let doc = fixture();
    for case in doc["pre_tokenized"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let ours: Vec<String> = pre_tokenize(text).into_iter().map(byte_level).collect();
        let theirs: Vec<String> = case["words"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
        assert_eq!(ours, theirs, "{text:?}");
    }
}

#[test]
fn learns_the_reference_merges_and_encodes_unseen_text_as_it_does() {
    let doc = fixture();
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let text = std::fs::read_to_string(format!("{}/{}", env!("CARGO_MANIFEST_DIR"), case["file"].as_str().unwrap())).unwrap();
        let chars: Vec<char> = text.chars().collect();
        let (start, n_train, n_probe) = (case["start"].as_u64().unwrap() as usize, case["train_chars"].as_u64().unwrap() as usize, case["probe_chars"].as_u64().unwrap() as usize);
        let train: String = chars[start..start + n_train].iter().collect();
        let probe: String = chars[start + n_train..start + n_train + n_probe].iter().collect();
        let vocab = case["vocab"].as_u64().unwrap() as usize;

        let bpe = BpeTokenizer::fit(&train, vocab).unwrap();
        assert_eq!(bpe.vocab_size(), vocab, "{name}");
        let theirs: Vec<&str> = case["merges"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        let ours = bpe.merge_lines();
        let first_difference = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        assert_eq!(first_difference, None, "{name}: merge {first_difference:?} differs: ours {:?}, reference {:?}", first_difference.map(|i| &ours[i]), first_difference.map(|i| theirs[i]));
        assert_eq!(ours.len(), theirs.len(), "{name}");

        assert_eq!(bpe.encode(&probe), ids(&case["probe_ids"]), "{name}: probe");
        assert_eq!(bpe.decode(&bpe.encode(&probe)), probe);
        for edge in case["edges"].as_array().unwrap() {
            let text = edge["text"].as_str().unwrap();
            assert_eq!(bpe.encode(text), ids(&edge["ids"]), "{name}: {text:?}");
            assert_eq!(bpe.decode(&bpe.encode(text)), text);
        }
        // The saved merges rebuild the same tokenizer.
        let back: BpeTokenizer = serde_json::from_value(serde_json::to_value(&bpe).unwrap()).unwrap();
        assert_eq!(back.encode(&probe), bpe.encode(&probe), "{name}: read back");
    }
}
