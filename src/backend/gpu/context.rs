//! The device side of the GPU backend: one `GpuContext` holds the wgpu
//! device and queue, builds each compute pipeline once (on first use) and
//! reuses it, pools device buffers so a training step allocates nothing after
//! the first, and records every dispatch into one command encoder that is
//! submitted only when the host needs a value back (or an upload must not
//! overtake work still queued).

use std::cell::RefCell;
use std::collections::HashMap;
use std::num::NonZeroU64;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::mpsc;

/// Every kernel, by file name: each is compiled with `common.wgsl` in front.
const SHADERS: &[(&str, &str)] = &[
    ("matmul", include_str!("../../../shaders/matmul.wgsl")),
    ("elementwise", include_str!("../../../shaders/elementwise.wgsl")),
    ("reduce", include_str!("../../../shaders/reduce.wgsl")),
    ("softmax", include_str!("../../../shaders/softmax.wgsl")),
    ("sequence", include_str!("../../../shaders/sequence.wgsl")),
    ("scatter_add", include_str!("../../../shaders/scatter_add.wgsl")),
    ("recurrent", include_str!("../../../shaders/recurrent.wgsl")),
    ("optimizer", include_str!("../../../shaders/optimizer.wgsl")),
    ("image", include_str!("../../../shaders/image.wgsl")),
    ("layer_norm", include_str!("../../../shaders/layer_norm.wgsl")),
    ("attention", include_str!("../../../shaders/attention.wgsl")),
];
const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// Bytes of kernel parameters per dispatch: a uniform block of up to 16
/// 32-bit values, at the 256-byte offsets uniform bindings require.
const PARAMS_BYTES: u64 = 64;
const PARAMS_STRIDE: u64 = 256;
/// Dispatches recorded before the encoder is submitted anyway.
const PARAMS_SLOTS: u64 = 4096;

/// Why no GPU backend could be made.
#[derive(Debug, Clone)]
pub struct GpuUnavailable(pub crate::error::Message);

impl std::fmt::Display for GpuUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the adapter is, for messages and the `--json` report.
#[derive(Debug, Clone)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    /// A CPU emulating a GPU (lavapipe's llvmpipe, SwiftShader).
    pub software: bool,
}

struct Kernel {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

/// Work recorded but not yet submitted.
struct Pending {
    encoder: Option<wgpu::CommandEncoder>,
    /// The parameter blocks of the recorded dispatches, copied into
    /// `params` just before the encoder is submitted.
    params: Vec<u8>,
}

pub(crate) struct BufferPool {
    free: HashMap<u64, Vec<wgpu::Buffer>>,
}

/// A device buffer that returns to the pool when its last tensor drops.
pub struct PooledBuffer {
    pub(crate) buffer: Option<wgpu::Buffer>,
    pub(crate) bytes: u64,
    pool: Weak<RefCell<BufferPool>>,
}

impl PooledBuffer {
    pub fn raw(&self) -> &wgpu::Buffer {
        self.buffer.as_ref().expect("buffer present until drop")
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        if let (Some(pool), Some(buffer)) = (self.pool.upgrade(), self.buffer.take()) {
            pool.borrow_mut().free.entry(self.bytes).or_default().push(buffer);
        }
    }
}

impl std::fmt::Debug for PooledBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PooledBuffer({} bytes)", self.bytes)
    }
}

pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    kernels: RefCell<HashMap<(&'static str, &'static str), Rc<Kernel>>>,
    modules: RefCell<HashMap<&'static str, Rc<wgpu::ShaderModule>>>,
    pending: RefCell<Pending>,
    params: wgpu::Buffer,
    pool: Rc<RefCell<BufferPool>>,
    /// Stand-ins for optional bindings: [0] for a missing read-only input
    /// (no mask, no bias), [1] and [2] for missing optimizer slots, apart
    /// because one buffer may not be bound writable twice.
    pub(crate) dummies: [Rc<PooledBuffer>; 3],
    /// Why the device was lost, once it has been.
    lost: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Find an adapter and open a device on it, blocking (natively only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new() -> Result<GpuContext, GpuUnavailable> {
        pollster::block_on(Self::new_async(""))
    }

    /// Open a device without blocking. Browsers may keep the adapter's name
    /// to themselves; `fallback_name` then names it.
    pub async fn new_async(fallback_name: &str) -> Result<GpuContext, GpuUnavailable> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions { power_preference: wgpu::PowerPreference::HighPerformance, ..Default::default() })
            .await
            .map_err(|e| {
                if cfg!(target_arch = "wasm32") {
                    GpuUnavailable(crate::msg!("gpu.no_adapter_browser"))
                } else {
                    GpuUnavailable(crate::msg!("gpu.no_adapter_native", detail = e.to_string()))
                }
            })?;
        let info = adapter.get_info();
        let summary = AdapterSummary {
            name: if info.name.trim().is_empty() { fallback_name.to_string() } else { info.name.clone() },
            backend: match info.backend {
                wgpu::Backend::BrowserWebGpu => "webgpu".into(),
                other => format!("{:?}", other).to_lowercase(),
            },
            software: info.device_type == wgpu::DeviceType::Cpu || info.name.to_lowercase().contains("llvmpipe") || info.name.to_lowercase().contains("swiftshader"),
        };
        // Ask for the adapter's own limits: large vocabularies need storage
        // bindings beyond WebGPU's 128 MiB default.
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor { label: Some("gradlab"), required_features: wgpu::Features::empty(), required_limits: adapter.limits(), ..Default::default() })
            .await
            .map_err(|e| GpuUnavailable(crate::msg!("gpu.refused_device", adapter = &summary.name, detail = e.to_string())))?;
        let lost = Arc::new(Mutex::new(None));
        {
            let lost = lost.clone();
            device.set_device_lost_callback(move |reason, message| {
                let reason = format!("{:?}", reason).to_lowercase();
                *lost.lock().unwrap() = Some(if message.trim().is_empty() { format!("device {}", reason) } else { format!("device {}: {}", reason, message.trim()) });
            });
        }
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kernel parameters"),
            size: PARAMS_STRIDE * PARAMS_SLOTS,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let pool = Rc::new(RefCell::new(BufferPool { free: HashMap::new() }));
        let dummy = |label| {
            Rc::new(PooledBuffer {
                buffer: Some(device.create_buffer(&wgpu::BufferDescriptor { label: Some(label), size: 256, usage: storage_usage(), mapped_at_creation: false })),
                bytes: 256,
                pool: Weak::new(),
            })
        };
        let dummies = [dummy("no mask"), dummy("no slot 0"), dummy("no slot 1")];
        Ok(GpuContext {
            device,
            queue,
            adapter: summary,
            kernels: RefCell::new(HashMap::new()),
            modules: RefCell::new(HashMap::new()),
            pending: RefCell::new(Pending { encoder: None, params: Vec::new() }),
            params,
            pool,
            dummies,
            lost,
        })
    }

    /// Whether the device has been lost (driver reset, GPU removed).
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().unwrap().clone()
    }

    pub fn destroy(&self) {
        self.device.destroy();
        let _ = self.device.poll(wgpu::PollType::Poll);
    }

    /// A buffer of at least `len` f32s from the pool (contents undefined).
    pub fn alloc(&self, len: usize) -> Rc<PooledBuffer> {
        // Round sizes up so that near-equal shapes (the last, short batch)
        // share buffers.
        let bytes = ((len.max(1) * 4) as u64).div_ceil(256) * 256;
        let reused = self.pool.borrow_mut().free.get_mut(&bytes).and_then(|v| v.pop());
        let buffer = reused.unwrap_or_else(|| self.device.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage: storage_usage(), mapped_at_creation: false }));
        Rc::new(PooledBuffer { buffer: Some(buffer), bytes, pool: Rc::downgrade(&self.pool) })
    }

    /// A buffer holding `data`. Queue writes run before any recorded work, so
    /// the recorded work is submitted first: a pooled buffer may still be
    /// read by it.
    pub fn upload(&self, data: &[f32]) -> Rc<PooledBuffer> {
        let buf = self.alloc(data.len());
        if !data.is_empty() {
            self.flush();
            let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            self.queue.write_buffer(buf.raw(), 0, &bytes);
        }
        buf
    }

    fn kernel(&self, file: &'static str, entry: &'static str) -> Rc<Kernel> {
        if let Some(k) = self.kernels.borrow().get(&(file, entry)) {
            return k.clone();
        }
        let module = {
            let mut modules = self.modules.borrow_mut();
            modules
                .entry(file)
                .or_insert_with(|| {
                    let body = SHADERS.iter().find(|(name, _)| *name == file).unwrap_or_else(|| panic!("no shader named {}", file)).1;
                    let source = format!("{}\n{}", COMMON, body);
                    Rc::new(self.device.create_shader_module(wgpu::ShaderModuleDescriptor { label: Some(file), source: wgpu::ShaderSource::Wgsl(source.into()) }))
                })
                .clone()
        };
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        });
        let layout = pipeline.get_bind_group_layout(0);
        let k = Rc::new(Kernel { pipeline, layout });
        self.kernels.borrow_mut().insert((file, entry), k.clone());
        k
    }

    fn with_encoder(&self, f: impl FnOnce(&mut wgpu::CommandEncoder)) {
        let mut pending = self.pending.borrow_mut();
        let encoder = pending.encoder.get_or_insert_with(|| self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None }));
        f(encoder);
    }

    /// Record one dispatch of `file`'s `entry` with parameter words `params`
    /// (u32s; f32s as their bits), buffers at the given binding numbers, and
    /// a grid of workgroups.
    pub fn dispatch(&self, file: &'static str, entry: &'static str, params: &[u32], bindings: &[(u32, &wgpu::Buffer)], groups: [u32; 3]) {
        if groups.contains(&0) {
            return;
        }
        assert!(params.len() * 4 <= PARAMS_BYTES as usize);
        let kernel = self.kernel(file, entry);
        if self.pending.borrow().params.len() as u64 >= PARAMS_STRIDE * PARAMS_SLOTS {
            self.flush();
        }
        let offset = {
            let mut pending = self.pending.borrow_mut();
            let offset = pending.params.len() as u64;
            pending.params.extend(params.iter().flat_map(|v| v.to_le_bytes()));
            pending.params.resize((offset + PARAMS_STRIDE) as usize, 0);
            offset
        };
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &self.params, offset, size: NonZeroU64::new(PARAMS_BYTES) }),
        }];
        entries.extend(bindings.iter().map(|(binding, buffer)| wgpu::BindGroupEntry { binding: *binding, resource: buffer.as_entire_binding() }));
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor { label: None, layout: &kernel.layout, entries: &entries });
        self.with_encoder(|encoder| {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(entry), timestamp_writes: None });
            pass.set_pipeline(&kernel.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        });
    }

    /// A dispatch of one invocation per item, in workgroups of 256 spread
    /// over two grid dimensions when one would exceed 65,535.
    pub fn dispatch_flat(&self, file: &'static str, entry: &'static str, params: &[u32], bindings: &[(u32, &wgpu::Buffer)], items: usize) {
        let groups = items.div_ceil(256) as u32;
        let x = groups.min(65_535);
        let y = groups.div_ceil(65_535);
        self.dispatch(file, entry, params, bindings, [x, y, 1]);
    }

    /// dst[..bytes] = src[..bytes], recorded in order with the dispatches.
    pub fn copy(&self, src: &wgpu::Buffer, dst: &wgpu::Buffer, bytes: u64) {
        if bytes > 0 {
            self.with_encoder(|e| e.copy_buffer_to_buffer(src, 0, dst, 0, bytes));
        }
    }

    /// Submit everything recorded so far.
    pub fn flush(&self) {
        let mut pending = self.pending.borrow_mut();
        if let Some(encoder) = pending.encoder.take() {
            if !pending.params.is_empty() {
                self.queue.write_buffer(&self.params, 0, &pending.params);
            }
            pending.params.clear();
            self.queue.submit(Some(encoder.finish()));
        }
    }

    /// Submit everything and wait until the device has finished it.
    pub fn sync(&self) {
        self.flush();
        if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
            panic!("GPU device stopped answering: {}", e);
        }
    }

    /// Copies of the first `len` f32s of each buffer into mappable staging
    /// buffers, submitted.
    fn stage(&self, parts: &[(&wgpu::Buffer, usize)]) -> Vec<Option<wgpu::Buffer>> {
        let staging: Vec<Option<wgpu::Buffer>> = parts
            .iter()
            .map(|&(buffer, len)| {
                (len > 0).then(|| {
                    let bytes = (len * 4) as u64;
                    let s = self.device.create_buffer(&wgpu::BufferDescriptor { label: Some("read back"), size: bytes, usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
                    self.copy(buffer, &s, bytes);
                    s
                })
            })
            .collect();
        self.flush();
        staging
    }

    /// Read buffers back: the first `len` f32s of each, in one submission
    /// and one wait. Natively this blocks; in the browser the result comes
    /// through the event loop, when WebGPU has mapped the buffers.
    pub fn read_async(&self, parts: &[(&wgpu::Buffer, usize)]) -> crate::backend::Reading<Vec<Vec<f32>>> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            Box::pin(std::future::ready(self.read(parts)))
        }
        #[cfg(target_arch = "wasm32")]
        {
            let staging = self.stage(parts);
            let state = Rc::new(RefCell::new(MapState { remaining: staging.iter().filter(|s| s.is_some()).count(), failed: None, waker: None }));
            for s in staging.iter().flatten() {
                let state = state.clone();
                s.map_async(wgpu::MapMode::Read, .., move |r| {
                    let mut st = state.borrow_mut();
                    st.remaining -= 1;
                    if let Err(e) = r {
                        st.failed = Some(e.to_string());
                    }
                    if let Some(w) = st.waker.take() {
                        w.wake();
                    }
                });
            }
            Box::pin(MappedRead { state, staging })
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn read(&self, parts: &[(&wgpu::Buffer, usize)]) -> Vec<Vec<f32>> {
        let staging = self.stage(parts);
        let (tx, rx) = mpsc::channel();
        for (i, s) in staging.iter().enumerate() {
            if let Some(s) = s {
                let tx = tx.clone();
                s.map_async(wgpu::MapMode::Read, .., move |r| {
                    let _ = tx.send((i, r));
                });
            }
        }
        drop(tx);
        if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
            panic!("GPU device stopped answering while reading results back: {}", e);
        }
        for (_, r) in rx.iter() {
            if let Err(e) = r {
                panic!("GPU read-back failed{}: {}", self.lost().map(|w| format!(" (device lost: {})", w)).unwrap_or_default(), e);
            }
        }
        unmap_all(&staging)
    }
}

/// The f32s of mapped staging buffers, which are then unmapped.
fn unmap_all(staging: &[Option<wgpu::Buffer>]) -> Vec<Vec<f32>> {
    staging
        .iter()
        .map(|s| match s {
            None => Vec::new(),
            Some(s) => {
                let out = {
                    let view = s.get_mapped_range(..).expect("mapped read-back buffer");
                    view.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
                };
                s.unmap();
                out
            }
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
struct MapState {
    remaining: usize,
    failed: Option<String>,
    waker: Option<std::task::Waker>,
}

/// A read-back in flight in the browser: ready when every staging buffer
/// has been mapped.
#[cfg(target_arch = "wasm32")]
struct MappedRead {
    state: Rc<RefCell<MapState>>,
    staging: Vec<Option<wgpu::Buffer>>,
}

#[cfg(target_arch = "wasm32")]
impl std::future::Future for MappedRead {
    type Output = Vec<Vec<f32>>;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let mut st = self.state.borrow_mut();
        if st.remaining > 0 {
            st.waker = Some(cx.waker().clone());
            return std::task::Poll::Pending;
        }
        if let Some(e) = &st.failed {
            panic!("GPU read-back failed: {}", e);
        }
        drop(st);
        std::task::Poll::Ready(unmap_all(&self.staging))
    }
}

fn storage_usage() -> wgpu::BufferUsages {
    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST
}
