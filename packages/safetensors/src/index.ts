export { SafetensorsError, type SafetensorsErrorCode } from './errors';
export {
  bf16ToNumber,
  bigIntsToNumbers,
  DTYPE_SIZE,
  type Dtype,
  f16ToNumber,
  isDtype,
  type NativeArray,
  numberToBf16,
  numberToF16,
  toFloat32,
  toFloat64,
} from './dtype';
export { MAX_HEADER_BYTES, parseHeader, parseHeaderLength, type SafetensorsHeader, type TensorInfo } from './header';
export { blobSource, type ByteSource, bytesSource, type SafetensorsSource } from './source';
export { readSafetensors, type SafetensorsReader, type Tensor } from './read';
export { encodeTensor, type PlannedTensor, planSafetensors, type SafetensorsPlan, type TensorToWrite, writeSafetensors } from './write';
