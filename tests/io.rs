//! Tests of the `io` layer: VTK XML frames, the PVD series and the energy plot, read back from
//! disk with a tiny hand parser.

#[path = "io/plot.rs"]
mod plot;
#[path = "io/pvd.rs"]
mod pvd;
#[path = "io/vtk.rs"]
mod vtk;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The attributes (text between `<DataArray` and `>`) and base64 content of the first
/// `DataArray` named `name`.
pub fn data_array<'a>(xml: &'a str, name: &str) -> (&'a str, &'a str) {
    let key = format!("Name=\"{name}\"");
    let mut rest = xml;
    loop {
        let start = rest
            .find("<DataArray")
            .unwrap_or_else(|| panic!("no DataArray `{name}`"));
        let tag_end = start + rest[start..].find('>').unwrap();
        let attrs = &rest[start + "<DataArray".len()..tag_end];
        let body_end = tag_end + rest[tag_end..].find("</DataArray>").unwrap();
        if attrs.split_whitespace().any(|a| a == key) {
            return (attrs, rest[tag_end + 1..body_end].trim());
        }
        rest = &rest[body_end..];
    }
}

/// The value of attribute `key` in an attribute string.
pub fn attr<'a>(attrs: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("{key}=\"");
    let start = attrs.find(&pat)? + pat.len();
    let len = attrs[start..].find('"')?;
    Some(&attrs[start..start + len])
}

/// Decode a VTK inline binary array (base64 of u64 byte count ++ data), checking the header.
pub fn decode_payload(b64: &str) -> Vec<u8> {
    let bytes = STANDARD.decode(b64).expect("valid base64");
    assert!(bytes.len() >= 8, "missing the UInt64 header");
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    assert_eq!(
        n as usize,
        bytes.len() - 8,
        "header byte count != payload length"
    );
    bytes[8..].to_vec()
}

/// Decode a Float64 array named `name`, checking its type and component count.
pub fn f64_array(xml: &str, name: &str, components: usize) -> Vec<f64> {
    let (attrs, body) = data_array(xml, name);
    assert_eq!(attr(attrs, "type"), Some("Float64"), "{name}: {attrs}");
    assert_eq!(attr(attrs, "format"), Some("binary"), "{name}: {attrs}");
    let nc = attr(attrs, "NumberOfComponents").map_or(1, |s| s.parse().unwrap());
    assert_eq!(nc, components, "{name}: {attrs}");
    let raw = decode_payload(body);
    assert_eq!(raw.len() % 8, 0);
    raw.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Decode an Int64 array named `name`.
pub fn i64_array(xml: &str, name: &str) -> Vec<i64> {
    let (attrs, body) = data_array(xml, name);
    assert_eq!(attr(attrs, "type"), Some("Int64"), "{name}: {attrs}");
    let raw = decode_payload(body);
    assert_eq!(raw.len() % 8, 0);
    raw.chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Bit-exact comparison of f64 slices (so NaN payloads and -0.0 count).
pub fn assert_bits_eq(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{k}]: got {g:?}, want {w:?}"
        );
    }
}

/// Names of the entries of a directory, sorted.
pub fn dir_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
