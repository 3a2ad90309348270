//! Why a model answered as it did: each input's share of a prediction
//! (`attribution`: integrated gradients and occlusion) and the map of what
//! an Embedding learned (`projector`: PCA, nearest neighbours, the class
//! each word leans to; `tsne`: the words placed by t-SNE), and what the
//! attention layers weigh (`attention`: each head's map over the tokens).

pub mod attention;
pub mod attribution;
pub mod projector;
pub mod tsne;
pub mod words;

pub use attribution::{explain, Explanation};
pub use projector::{nearest, pca, Pca};
