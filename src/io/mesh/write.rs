//! The writers: OBJ (text, shortest round-trip numbers) and binary little-endian PLY, both
//! written atomically through [`write_atomically`].

use std::io::Write;
use std::path::Path;

use crate::io::atomic::write_atomically;
use crate::mesh::TriMesh;
use crate::Result;

/// The checks a mesh must pass before it is written: finite coordinates, indices in range.
pub(super) fn check_writable(mesh: &TriMesh) -> std::result::Result<(), String> {
    if let Some(i) = mesh
        .positions
        .iter()
        .position(|p| !p.iter().all(|c| c.is_finite()))
    {
        let p = mesh.positions[i];
        return Err(format!(
            "vertex {i}: non-finite coordinate ({}, {}, {})",
            p[0], p[1], p[2]
        ));
    }
    let n = mesh.positions.len();
    if let Some(f) = mesh.faces.iter().position(|t| t.iter().any(|&v| v >= n)) {
        return Err(format!(
            "face {f}: vertex index out of range in {:?} (the mesh has {n} vertices)",
            mesh.faces[f]
        ));
    }
    Ok(())
}

/// Write `mesh` as OBJ. Coordinates use Rust's shortest round-trip formatting, so reading the
/// file back gives the same `f64`s bit for bit.
pub(super) fn obj(path: &Path, mesh: &TriMesh) -> Result<()> {
    write_atomically(path, |w| {
        writeln!(
            w,
            "# geoflow: {} vertices, {} triangles",
            mesh.positions.len(),
            mesh.faces.len()
        )?;
        for p in &mesh.positions {
            writeln!(w, "v {:?} {:?} {:?}", p[0], p[1], p[2])?;
        }
        for t in &mesh.faces {
            writeln!(w, "f {} {} {}", t[0] + 1, t[1] + 1, t[2] + 1)?;
        }
        Ok(())
    })
}

/// Write `mesh` as binary little-endian PLY: `double` x y z, `uchar`-counted `int` index lists.
pub(super) fn ply(path: &Path, mesh: &TriMesh) -> Result<()> {
    if mesh.positions.len() > i32::MAX as usize {
        return Err(crate::Error::Mesh {
            path: path.to_path_buf(),
            line: None,
            msg: format!(
                "{} vertices do not fit PLY `int` indices",
                mesh.positions.len()
            ),
        });
    }
    write_atomically(path, |w| {
        write!(
            w,
            "ply\nformat binary_little_endian 1.0\ncomment written by geoflow\n\
             element vertex {}\nproperty double x\nproperty double y\nproperty double z\n\
             element face {}\nproperty list uchar int vertex_indices\nend_header\n",
            mesh.positions.len(),
            mesh.faces.len()
        )?;
        let mut buf = Vec::with_capacity(24 * 4096);
        for chunk in mesh.positions.chunks(4096) {
            buf.clear();
            for p in chunk {
                for c in p {
                    buf.extend_from_slice(&c.to_le_bytes());
                }
            }
            w.write_all(&buf)?;
        }
        for chunk in mesh.faces.chunks(4096) {
            buf.clear();
            for t in chunk {
                buf.push(3);
                for &v in t {
                    buf.extend_from_slice(&(v as i32).to_le_bytes());
                }
            }
            w.write_all(&buf)?;
        }
        Ok(())
    })
}
