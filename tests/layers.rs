//! The layer registry: every kind it lists is whole. Its class is the name
//! it is saved under, its Keras config reads back as the same layer, the
//! page's menus give each kind its own place, and an unknown class is
//! nobody's. A kind added to the registry is checked here without edits.

use gradlab::nn::{FieldKind, KerasConfig, LayerConfig};
use serde_json::{json, Map, Value};

/// A value a required field of this kind may hold.
fn example(kind: FieldKind) -> Value {
    match kind {
        FieldKind::Count => json!(3),
        FieldKind::Pair => json!(2),
        FieldKind::Rate => json!(0.25),
        FieldKind::Fraction => json!(0.5),
        FieldKind::Positive => json!(0.01),
        FieldKind::Bool => json!(true),
        FieldKind::Activation => json!("tanh"),
        FieldKind::Gate => json!("sigmoid"),
        FieldKind::Padding => json!("same"),
    }
}

/// Each kind, built from its required fields alone (as the page's editor
/// builds it), and a per-sample input it accepts (as many times as it
/// takes inputs: a merge or an attention reads it twice).
fn every_kind() -> Vec<(LayerConfig, Vec<usize>)> {
    LayerConfig::catalogue()
        .into_iter()
        .map(|kind| {
            let mut m = Map::new();
            m.insert("type".into(), json!(kind.class));
            for f in kind.fields.iter().filter(|f| f.required) {
                m.insert(f.key.into(), example(f.kind));
            }
            let layer: LayerConfig = serde_json::from_value(Value::Object(m.clone())).unwrap_or_else(|e| panic!("{}: {:?} does not read: {}", kind.class, m, e));
            let input = [vec![8], vec![8, 6], vec![8, 8, 3], vec![3]].into_iter().find(|s| layer.output_shapes(&vec![s.as_slice(); kind.inputs]).is_ok()).unwrap_or_else(|| panic!("{}: takes none of the test inputs", kind.class));
            (layer, input)
        })
        .collect()
}

#[test]
fn every_kind_is_saved_under_its_class() {
    let kinds = every_kind();
    assert!(kinds.len() >= 16, "the registry lists {} kinds", kinds.len());
    let mut classes: Vec<_> = kinds.iter().map(|(l, _)| l.class_name()).collect();
    for (layer, _) in &kinds {
        assert_eq!(serde_json::to_value(layer).unwrap()["type"], json!(layer.class_name()), "{:?}", layer);
        assert!(!layer.describe().is_empty(), "{} has no description", layer.class_name());
    }
    classes.sort();
    classes.dedup();
    assert_eq!(classes.len(), kinds.len(), "two kinds share a class name");
}

#[test]
fn every_kind_reads_back_from_its_keras_config() {
    for (layer, input) in every_kind() {
        let inputs = vec![input.as_slice(); layer.inputs()];
        let mut config = layer.keras_config_for(&inputs);
        config["name"] = json!("probe");
        let back = LayerConfig::from_keras(&KerasConfig::new(layer.class_name(), &config, "model.json"))
            .unwrap_or_else(|| panic!("{}: the registry does not know its own class", layer.class_name()))
            .unwrap_or_else(|e| panic!("{}: its own config {} is refused: {}", layer.class_name(), config, e));
        // The same layer, up to how it is written (strides left to default
        // read back as the pool size they default to).
        let mut again = back.keras_config_for(&inputs);
        again["name"] = json!("probe");
        assert_eq!(again, config, "{}: read back as {:?}", layer.class_name(), back);
        assert_eq!(back.output_shapes(&inputs), layer.output_shapes(&inputs));
        let weights = layer.weights_for(&inputs);
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        let init = layer.init_for(&inputs, &mut rng);
        assert_eq!(init.len(), weights.len(), "{}: initial values for each weight", layer.class_name());
        for (w, v) in weights.iter().zip(&init) {
            assert_eq!(v.len(), w.shape.iter().product::<usize>(), "{}/{}: initial values", layer.class_name(), w.name);
        }
    }
}

#[test]
fn unknown_classes_and_wrong_input_counts_are_refused() {
    let config = json!({"name": "x"});
    assert!(LayerConfig::from_keras(&KerasConfig::new("NoSuchLayer", &config, "model.json")).is_none());
    let dense: LayerConfig = serde_json::from_value(json!({"type": "Dense", "units": 2})).unwrap();
    let err = dense.output_shapes(&[&[4], &[4]]).unwrap_err();
    let err = err.to_string();
    assert!(err.contains("1 input") && err.contains("receives 2"), "{}", err);
}

#[test]
fn the_menus_give_each_kind_its_own_place() {
    let kinds = LayerConfig::catalogue();
    for images in [false, true] {
        let mut ranks: Vec<u8> = kinds.iter().filter_map(|k| if images { k.menu.images } else { k.menu.text }).collect();
        let n = ranks.len();
        assert!(n >= 8, "{} kinds offered for {}", n, if images { "images" } else { "text" });
        ranks.sort();
        ranks.dedup();
        assert_eq!(ranks.len(), n, "two kinds share a menu place");
    }
    let shown: Vec<_> = kinds.iter().flat_map(|k| k.fields.iter().filter(|f| f.editor.is_some()).map(move |f| (k.class, f.key))).collect();
    assert!(shown.contains(&("Dense", "units")) && shown.contains(&("Conv2D", "kernel_size")), "the editor shows {:?}", shown);
    let json = gradlab::nn::catalogue_json();
    assert_eq!(json["layers"].as_array().unwrap().len(), kinds.len());
    assert!(json["activations"].as_array().unwrap().iter().any(|a| a == "relu"));
}
