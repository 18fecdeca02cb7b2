//! Reading files in worker processes, so that nothing a reading library does on one file —
//! a panic, an abort on a failed allocation, runaway memory, a loop that never ends — costs the
//! run more than that file.
//!
//! The run starts `jobs` workers (`zhaoshang read-worker`, the same binary) and feeds each one
//! file at a time over its stdin (the next file already sent, so that a worker goes on to it
//! while the run takes in its answer); a worker reads and normalises the file and sends back
//! the sheets (postcard frames on stdout). A worker caps its own address space at start
//! (`max_memory_mb` beyond what it uses then), so an allocation that would exceed it fails
//! inside the worker, which dies; the parent waits at most `max_seconds` for each answer and
//! kills a worker that takes longer. Either way the file gets a [`LimitHit`], the worker is
//! replaced and the next file is read. Workers live for the whole run, so the cost of starting
//! one is paid `jobs` times, not once per file.

use super::cache::CachedFile;
use super::ReadFile;
use crate::error::{FileError, LimitHit, Reason};
use crate::ingest::{InputFile, ReadLimits};
use crate::normalise::SheetOutcome;
use crate::period::Period;
use crate::pipeline::Pipeline;
use serde::{Deserialize, Serialize};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The subcommand a worker is started with (hidden from `--help`).
pub const WORKER_COMMAND: &str = "read-worker";

/// The first message to a worker: the pipeline to compile and the limits to apply.
#[derive(Serialize, Deserialize)]
struct Hello {
    pipeline_source: String,
    pipeline_text: String,
    limits: ReadLimits,
}

/// One file to read.
#[derive(Serialize, Deserialize)]
struct Job {
    path: PathBuf,
    rel: String,
    period: Period,
}

/// A worker's answers.
#[derive(Serialize, Deserialize)]
enum Answer {
    /// After the hello: the hash of the pipeline it compiled, or why it could not.
    Ready(Result<String, String>),
    /// One file: read, or why it could not be read (the reason and the chain of causes).
    /// When read, a raw frame follows: the file's parse-cache entry (its sha256, size and
    /// sheets, [`CachedFile::encode`]), which the run stores as it came.
    Done {
        result: Result<(), (Reason, String)>,
        read_ns: u64,
        normalise_ns: u64,
    },
}

/// A worker's answer for one file, and whether the worker is still there.
pub enum Outcome {
    Answered(WorkerResult),
    Gone(WorkerResult),
}

/// What reading one file in a worker gave, with the worker's own stage times.
pub struct WorkerResult {
    pub result: Result<(String, u64, Vec<SheetOutcome>), FileError>,
    /// The parse-cache entry of `result` as the worker encoded it, when read.
    pub encoded: Option<Vec<u8>>,
    pub read_ns: u64,
    pub normalise_ns: u64,
}

fn write_frame(w: &mut impl Write, msg: &impl Serialize) -> std::io::Result<()> {
    let bytes = postcard::to_allocvec(msg).map_err(std::io::Error::other)?;
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(&bytes)?;
    w.flush()
}

fn write_raw(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)?;
    w.flush()
}

fn read_raw(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len) as usize;
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_frame<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> std::io::Result<T> {
    postcard::from_bytes(&read_raw(r)?).map_err(std::io::Error::other)
}

/// An answer as the parent hears it: a `Done` that was read comes with its parse-cache entry,
/// decoded and as encoded.
type Heard = (Answer, Option<(CachedFile, Vec<u8>)>);

/// Reads the next answer, and the entry that follows a file read.
fn hear(r: &mut impl Read) -> std::io::Result<Heard> {
    let answer = read_frame::<Answer>(r)?;
    let entry = match &answer {
        Answer::Done { result: Ok(()), .. } => {
            let encoded = read_raw(r)?;
            let entry = CachedFile::decode(&encoded).map_err(std::io::Error::other)?;
            Some((entry, encoded))
        }
        _ => None,
    };
    Ok((answer, entry))
}

/// The worker's side: answers jobs on stdin until it closes. Returns the exit code.
pub fn serve() -> i32 {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let hello: Hello = match read_frame(&mut input) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("read-worker: no hello from the parent: {e}");
            return 2;
        }
    };
    let pipeline = Pipeline::from_text(&hello.pipeline_source, &hello.pipeline_text);
    let ready = match &pipeline {
        Ok(p) => Ok(p.hash.clone()),
        Err(e) => Err(e.to_string()),
    };
    if write_frame(&mut output, &Answer::Ready(ready)).is_err() {
        return 2;
    }
    let Ok(pipeline) = pipeline else { return 2 };
    cap_memory(hello.limits.max_memory_mb);
    while let Ok(job) = read_frame::<Job>(&mut input) {
        let file = InputFile {
            path: job.path,
            rel: job.rel,
            period: job.period,
        };
        let (result, read_ns, normalise_ns) =
            super::read_and_normalise(&file, &pipeline, &hello.limits);
        // Under the cap, running out of memory can also surface as a caught panic (a thread
        // that could not be spawned, an I/O call told ENOMEM): that is the limit, not a crash.
        let result = match result {
            Err(FileError::ReaderPanic { path, message }) if says_out_of_memory(&message) => {
                Err(FileError::Limit {
                    path,
                    hit: LimitHit::Memory {
                        max_mb: hello.limits.max_memory_mb,
                    },
                })
            }
            other => other,
        };
        let (result, encoded) = match result {
            Ok((sha, bytes, sheets)) => match CachedFile::encode(&sha, bytes, &sheets) {
                Ok(encoded) => (Ok(()), Some(encoded)),
                Err(e) => (
                    Err((
                        Reason::ReaderCrash,
                        format!("could not encode the sheets: {e}"),
                    )),
                    None,
                ),
            },
            Err(e) => (Err((e.reason(), e.chain())), None),
        };
        let answer = Answer::Done {
            result,
            read_ns,
            normalise_ns,
        };
        let sent = write_frame(&mut output, &answer)
            .and_then(|()| encoded.map_or(Ok(()), |e| write_raw(&mut output, &e)));
        if sent.is_err() {
            return 2;
        }
    }
    0
}

/// Whether what a worker said (its stderr, or a panic's message) is a failed allocation:
/// Rust's abort on one, or the OS refusing memory (ENOMEM) to a call that then panicked.
fn says_out_of_memory(said: &str) -> bool {
    said.contains("memory allocation of")
        || said.contains("out of memory")
        || said.contains("Cannot allocate memory")
        || said.contains("os error 12")
}

/// Caps this process's address space at what it uses now plus `max_mb`, so that an allocation
/// beyond it fails (and the process dies) instead of taking the machine's memory.
#[cfg(unix)]
fn cap_memory(max_mb: u64) {
    let now = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0);
    let limit = now.saturating_add(max_mb.saturating_mul(1 << 20));
    let rl = libc::rlimit {
        rlim_cur: limit as libc::rlim_t,
        rlim_max: limit as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct we pass; it has no other effect on memory safety.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &rl) };
    if rc != 0 {
        eprintln!(
            "read-worker: could not cap memory: {}",
            std::io::Error::last_os_error()
        );
    }
}

#[cfg(not(unix))]
fn cap_memory(_max_mb: u64) {}

/// One running worker, seen from the run.
pub struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    answers: mpsc::Receiver<std::io::Result<Heard>>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    /// The thread copying the worker's stderr into `stderr`; joined once the worker has
    /// ended, so that what it said last (why it died) has been read before it is judged.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

/// How to start workers: the binary, the pipeline they compile, the limits they apply.
pub struct WorkerSpec<'a> {
    pub exe: &'a Path,
    pub pipeline: &'a Pipeline,
    pub limits: ReadLimits,
}

/// Why a worker could not be started or answered nothing sensible.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("Failed to start the reading worker `{}`", exe.display())]
    Spawn {
        exe: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("The reading worker did not start: {0}")]
    NotReady(String),
}

impl Worker {
    pub fn start(spec: &WorkerSpec) -> Result<Worker, WorkerError> {
        let spawn_err = |source| WorkerError::Spawn {
            exe: spec.exe.to_path_buf(),
            source,
        };
        let mut child = Command::new(spec.exe)
            .arg(WORKER_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_err)?;
        let missing = || spawn_err(std::io::Error::other("no pipe to the worker"));
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr_pipe = child.stderr.take().ok_or_else(missing)?;
        let (tx, answers) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let a = hear(&mut r);
                let end = a.is_err();
                if tx.send(a).is_err() || end {
                    break;
                }
            }
        });
        // The last few KB of what the worker says on stderr: why it died.
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stderr_pipe);
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    if s.len() > 8192 {
                        let cut = s.len() - 4096;
                        let cut = (cut..s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                        s.drain(..cut);
                    }
                }
            }
        });
        let mut w = Worker {
            child,
            stdin: BufWriter::new(stdin),
            answers,
            stderr,
            stderr_reader: Some(stderr_reader),
        };
        let hello = Hello {
            pipeline_source: spec.pipeline.source.clone(),
            pipeline_text: spec.pipeline.text.clone(),
            limits: spec.limits,
        };
        if let Err(e) = write_frame(&mut w.stdin, &hello) {
            w.stop();
            return Err(WorkerError::NotReady(format!(
                "could not send the pipeline: {e}"
            )));
        }
        match w.answers.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok((Answer::Ready(Ok(hash)), _))) if hash == spec.pipeline.hash => Ok(w),
            Ok(Ok((Answer::Ready(Ok(hash)), _))) => {
                w.stop();
                Err(WorkerError::NotReady(format!(
                    "it compiled another pipeline (hash {hash})"
                )))
            }
            Ok(Ok((Answer::Ready(Err(e)), _))) => {
                w.stop();
                Err(WorkerError::NotReady(e))
            }
            other => {
                w.stop();
                let said = w.last_words();
                Err(WorkerError::NotReady(format!(
                    "{}{said}",
                    match other {
                        Err(_) => "no answer within 60 s. ".to_string(),
                        Ok(Err(e)) => format!("{e}. "),
                        Ok(Ok(_)) => "an unexpected answer. ".to_string(),
                    }
                )))
            }
        }
    }

    /// Everything the ended worker said on stderr (its last few KB). Call after `stop`: it
    /// waits for the copying thread to reach the end of the pipe, so nothing said just before
    /// dying (an allocation failure's message) is missed.
    fn last_words(&mut self) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr_text()
    }

    fn stderr_text(&self) -> String {
        self.stderr
            .lock()
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// Sends one file to read; its answer is taken with [`Worker::receive`]. A worker reads
    /// its jobs in the order sent, so the next file can be sent before this one's answer is
    /// in: the worker then starts it at once, while the run takes in the answer.
    pub fn send(&mut self, f: &InputFile) -> std::io::Result<()> {
        let job = Job {
            path: f.path.clone(),
            rel: f.rel.clone(),
            period: f.period,
        };
        write_frame(&mut self.stdin, &job)
    }

    /// The answer for `f`, the oldest file sent and not yet answered. `Gone` means this worker
    /// died or was killed for the file: the result names the file's limit or crash, and a new
    /// worker is needed (for the files sent after it too). The time limit runs from here: the
    /// worker starts a file when it has answered the one before.
    pub fn receive(&mut self, f: &InputFile, limits: &ReadLimits) -> Outcome {
        let t = Instant::now();
        let wait = if limits.max_seconds.is_finite() {
            Duration::from_secs_f64(limits.max_seconds)
        } else {
            Duration::from_secs(u32::MAX as u64)
        };
        let answer = self.answers.recv_timeout(wait);
        let failed = |e: FileError| WorkerResult {
            result: Err(e),
            encoded: None,
            read_ns: t.elapsed().as_nanos() as u64,
            normalise_ns: 0,
        };
        match answer {
            Ok(Ok((
                Answer::Done {
                    result,
                    read_ns,
                    normalise_ns,
                },
                entry,
            ))) => {
                let (result, encoded) = match (result, entry) {
                    (Ok(()), Some((e, encoded))) => {
                        (Ok((e.sha256, e.bytes, e.sheets)), Some(encoded))
                    }
                    // `hear` gives every file read its entry or fails.
                    (Ok(()), None) => (
                        Err(FileError::ReaderPanic {
                            path: f.path.clone(),
                            message: "the reading worker sent no sheets".to_string(),
                        }),
                        None,
                    ),
                    (Err((reason, detail)), _) => (
                        Err(FileError::Worker {
                            path: f.path.clone(),
                            reason,
                            detail,
                        }),
                        None,
                    ),
                };
                Outcome::Answered(WorkerResult {
                    result,
                    encoded,
                    read_ns,
                    normalise_ns,
                })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.stop();
                Outcome::Gone(failed(FileError::Limit {
                    path: f.path.clone(),
                    hit: LimitHit::Time {
                        seconds: limits.max_seconds,
                    },
                }))
            }
            _ => {
                // The worker died on this file: decide why from how it ended.
                let status = self.stop();
                let said = self.last_words();
                if says_out_of_memory(&said) {
                    Outcome::Gone(failed(FileError::Limit {
                        path: f.path.clone(),
                        hit: LimitHit::Memory {
                            max_mb: limits.max_memory_mb,
                        },
                    }))
                } else {
                    let last = said.lines().last().unwrap_or("").to_string();
                    Outcome::Gone(failed(FileError::ReaderPanic {
                        path: f.path.clone(),
                        message: format!("the reading worker ended ({status}) {last}"),
                    }))
                }
            }
        }
    }

    /// Kills the worker (if still running) and says how it ended.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(s) => s.to_string(),
            Err(e) => format!("unknown status: {e}"),
        }
    }

    /// Closes the worker's input (it exits) and waits for it.
    pub fn finish(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// Reads `files` with `jobs` workers; results in the order of `files`. `read_one` is asked
/// first for each file (the parse cache) and only a miss goes to a worker. A worker that cannot
/// be started (no binary, another pipeline) is reported once and the files are read in this
/// process instead.
pub fn read_all(
    files: &[InputFile],
    spec: &WorkerSpec,
    jobs: usize,
    cached: &(dyn Fn(&InputFile) -> Option<ReadFile> + Sync),
    on_read: &(dyn Fn(&InputFile, &WorkerResult) + Sync),
    in_process: &(dyn Fn(&InputFile) -> ReadFile + Sync),
) -> Vec<ReadFile> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<ReadFile>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let start_failed = std::sync::Once::new();
    let take = || {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        files.get(i).map(|f| (i, f))
    };
    let put = |i: usize, done: ReadFile| {
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some(done);
        }
    };
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(files.len().max(1)) {
            s.spawn(|| {
                let mut feed = Feed {
                    spec,
                    worker: None,
                    sent: std::collections::VecDeque::new(),
                    resend: std::collections::VecDeque::new(),
                    start_failed: &start_failed,
                };
                loop {
                    // Keep one file queued behind the one being read: first the files a
                    // worker died before reading, then the next ones not in the cache.
                    while feed.sent.len() < FILES_AHEAD {
                        let (i, f) = match feed.resend.pop_front() {
                            Some(again) => again,
                            None => match take() {
                                Some((i, f)) => match cached(f) {
                                    Some(hit) => {
                                        put(i, hit);
                                        continue;
                                    }
                                    None => (i, f),
                                },
                                None => break,
                            },
                        };
                        if !feed.send(i, f) {
                            put(i, in_process(f));
                        }
                    }
                    let Some((i, f, res)) = feed.receive() else {
                        break;
                    };
                    on_read(f, &res);
                    put(
                        i,
                        ReadFile {
                            file: f.clone(),
                            result: res.result,
                            cached: false,
                        },
                    );
                }
                if let Some(w) = feed.worker {
                    w.finish();
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(files)
        .map(|(slot, f)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| in_process(f))
        })
        .collect()
}

/// How many files a dispatching thread keeps sent to its worker: the one being read and the
/// next, so that the worker never waits while the run takes in an answer.
const FILES_AHEAD: usize = 2;

/// One dispatching thread's worker (started on first use, replaced after it dies) and the
/// files sent to it, oldest first.
struct Feed<'a, 'f> {
    spec: &'a WorkerSpec<'a>,
    worker: Option<Worker>,
    sent: std::collections::VecDeque<(usize, &'f InputFile)>,
    /// Files sent to a worker that died before reading them: sent again, to a new one.
    resend: std::collections::VecDeque<(usize, &'f InputFile)>,
    start_failed: &'a std::sync::Once,
}

impl<'f> Feed<'_, 'f> {
    /// Sends file `i` to this thread's worker, starting one if needed. False when no worker
    /// can be started: the file is then read in this process.
    fn send(&mut self, i: usize, f: &'f InputFile) -> bool {
        if self.worker.is_none() {
            match Worker::start(self.spec) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    self.start_failed.call_once(|| {
                        eprintln!("warning: {e}; reading files in this process, without memory and time limits")
                    });
                    return false;
                }
            }
        }
        let Some(w) = self.worker.as_mut() else {
            return false;
        };
        // A send that fails means the worker is gone: `receive` then says so for this file.
        let _ = w.send(f);
        self.sent.push_back((i, f));
        true
    }

    /// The answer for the oldest file sent. When the worker died on it, the files sent after
    /// it are sent again, to a new worker.
    fn receive(&mut self) -> Option<(usize, &'f InputFile, WorkerResult)> {
        let w = self.worker.as_mut()?;
        let (i, f) = self.sent.pop_front()?;
        let res = match w.receive(f, &self.spec.limits) {
            Outcome::Answered(r) => r,
            Outcome::Gone(r) => {
                self.worker = None;
                self.resend.extend(self.sent.drain(..));
                r
            }
        };
        Some((i, f, res))
    }
}

#[cfg(test)]
mod tests {
    use super::says_out_of_memory;

    #[test]
    fn a_failed_allocation_or_enomem_is_told_as_the_memory_limit_and_a_panic_is_not() {
        assert!(says_out_of_memory(
            "memory allocation of 1048576 bytes failed"
        ));
        assert!(says_out_of_memory(
            "failed to spawn thread: Os { code: 12, kind: OutOfMemory, message: \"Cannot allocate memory\" }"
        ));
        assert!(says_out_of_memory("Resource error: os error 12"));
        assert!(!says_out_of_memory("attempt to multiply with overflow"));
        assert!(!says_out_of_memory("no entry found for key"));
    }
}
