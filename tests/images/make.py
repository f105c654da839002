#!/usr/bin/python3
"""DICOM images for the preview tests, made with pydicom (Debian's python3-pydicom):
grad.dcm       128x64, 16-bit MONOCHROME2, dark on the left to bright on the right, window 2048/4096
grad-m1.dcm    the same pixels, MONOCHROME1 (so bright on the left)
grad-nowin.dcm the same, no window in the header
red.dcm        64x64 RGB, all red
frames.dcm     3 frames of 32x32, frame k of value 2000*k (k = 0, 1, 2), window 2000/4000
huge.dcm       a header that claims 60000x60000 pixels, with 2 bytes of them
nopixels.dcm   an image header without Pixel Data
Usage: make.py DIR"""
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid


def image(rows, cols, pixels, photometric="MONOCHROME2", spp=1, bits=16, frames=None, window=(2048, 4096)):
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.Modality = "Test^Image", "IMG1", "OT"
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, spp
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits if bits == 8 else 12, (bits if bits == 8 else 12) - 1
    ds.PixelRepresentation = 0
    if spp == 3:
        ds.PlanarConfiguration = 0
    if frames:
        ds.NumberOfFrames = frames
    if window and spp == 1:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = pixels
    return ds


def main(out):
    cols, rows = 128, 64
    grad = np.tile((np.arange(cols) * 32).astype("<u2"), (rows, 1))
    image(rows, cols, grad.tobytes()).save_as(f"{out}/grad.dcm", write_like_original=False)
    image(rows, cols, grad.tobytes(), "MONOCHROME1").save_as(f"{out}/grad-m1.dcm", write_like_original=False)
    image(rows, cols, grad.tobytes(), window=None).save_as(f"{out}/grad-nowin.dcm", write_like_original=False)
    red = np.zeros((64, 64, 3), dtype="u1")
    red[:, :, 0] = 255
    image(64, 64, red.tobytes(), "RGB", spp=3, bits=8).save_as(f"{out}/red.dcm", write_like_original=False)
    fr = np.concatenate([np.full((32, 32), 2000 * k, dtype="<u2") for k in range(3)])
    image(32, 32, fr.tobytes(), frames=3, window=(2000, 4000)).save_as(f"{out}/frames.dcm", write_like_original=False)
    image(60000, 60000, b"\0\0").save_as(f"{out}/huge.dcm", write_like_original=False)
    ds = image(rows, cols, b"")
    del ds.PixelData
    ds.save_as(f"{out}/nopixels.dcm", write_like_original=False)


if __name__ == "__main__":
    main(sys.argv[1])
