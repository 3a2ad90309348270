// The layer catalogue, asked of the engine once: checks.js checks layer
// lists against it, model.js builds the layer editor from it.
import { engineModule } from './engine-instance.js';

// The layer kinds the engine builds, the fields each takes with what a
// field may hold, where the editor's menus offer them, and the names an
// activation, gate or padding may take: one catalogue, from the layers'
// own files (src/nn/*.rs, through nn::catalogue_json), not a copy.
export const CATALOGUE = engineModule.layer_catalogue();
export const { activations: ACTIVATIONS, gates: GATES, paddings: PADDINGS } = CATALOGUE;
